// A kvm:/// start plan (core-wasm/drivers/kvm/plan.ts writes it) as the VMM process reads it.

export interface VmmPlan {
  control: string;
  status: string;
  memoryBytes: number;
  vcpus: number;
  kernel: string;
  initrd?: string;
  cmdline: string;
  /** The guest's COM1: a console (pty), also appended to a file, or not connected. */
  serial: { kind: "pty" } | { kind: "file"; path: string } | { kind: "none" };
  onPoweroff: "end" | "restart";
  onReboot: "end" | "restart";
  /** preserve: the crashed guest stays (vCPUs stopped, memory kept) until destroyed. */
  onCrash: "end" | "restart" | "preserve";
  /** on_crash coredump-*: a crashed guest's memory goes to PREFIX-TIME first. */
  coredump?: string;
}

/** One plan line's fields, with the writer's \t, \n and \\ escapes undone. */
export function planFields(line: string): string[] {
  return line.split("\t").map((f) => f.replace(/\\(.)/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c)));
}

export function parseVmmPlan(text: string): VmmPlan {
  const plan: VmmPlan = { control: "", status: "", memoryBytes: 0, vcpus: 1, kernel: "", cmdline: "", serial: { kind: "none" }, onPoweroff: "end", onReboot: "restart", onCrash: "end" };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [key, a = "", b = ""] = planFields(line);
    if (key === "control") plan.control = a;
    else if (key === "status") plan.status = a;
    else if (key === "memory") plan.memoryBytes = Number(a);
    else if (key === "vcpus") plan.vcpus = Number(a);
    else if (key === "kernel") plan.kernel = a;
    else if (key === "initrd") plan.initrd = a;
    else if (key === "cmdline") plan.cmdline = a;
    else if (key === "serial") plan.serial = a === "file" ? { kind: "file", path: b } : { kind: "pty" };
    else if (key === "on_poweroff") plan.onPoweroff = a === "restart" ? "restart" : "end";
    else if (key === "on_reboot") plan.onReboot = a === "restart" ? "restart" : "end";
    else if (key === "on_crash") plan.onCrash = a === "restart" || a === "preserve" ? a : "end";
    else if (key === "coredump") plan.coredump = a;
  }
  return plan;
}
