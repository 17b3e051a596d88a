// GSIs routed to MSI messages, for interrupts the host's kernel raises without the VMM (an irqfd
// that vhost-net signals). They follow the IOAPIC's pins in the VM's routing table (irq-routing.ts);
// the devices set and drop them as the guest programs and masks its MSI-X vectors.

/** The first GSI after the IOAPIC's 24 pins. */
const FIRST_GSI: i32 = 24;

class MsiRoute {
  live: bool = false;
  addressLow: u32 = 0;
  addressHigh: u32 = 0;
  data: u32 = 0;
}

const routes: MsiRoute[] = [];

/** A GSI of its own for a device's interrupt, not routed yet. */
export function allocateMsiGsi(): i32 {
  routes.push(new MsiRoute());
  return FIRST_GSI + routes.length - 1;
}

/** Routes `gsi` to the message; true when that changed the table. */
export function setMsiRoute(gsi: i32, addressLow: u32, addressHigh: u32, data: u32): bool {
  const r = unchecked(routes[gsi - FIRST_GSI]);
  if (r.live && r.addressLow == addressLow && r.addressHigh == addressHigh && r.data == data) return false;
  r.live = true;
  r.addressLow = addressLow;
  r.addressHigh = addressHigh;
  r.data = data;
  return true;
}

/** Takes `gsi` out of the table; true when it was in it. */
export function dropMsiRoute(gsi: i32): bool {
  const r = unchecked(routes[gsi - FIRST_GSI]);
  const was = r.live;
  r.live = false;
  return was;
}

/** A new machine's devices allocate their GSIs again. */
export function clearMsiRoutes(): void {
  routes.length = 0;
}

export function msiRouteCount(): i32 {
  return routes.length;
}

/** Whether route `i` (GSI FIRST_GSI + i) is in the table, and its message. */
export function msiRouteLive(i: i32): bool {
  return unchecked(routes[i]).live;
}

export function msiRouteGsi(i: i32): u32 {
  return <u32>(FIRST_GSI + i);
}

export function msiRouteWord(i: i32, word: i32): u32 {
  const r = unchecked(routes[i]);
  return word == 0 ? r.addressLow : word == 1 ? r.addressHigh : r.data;
}
