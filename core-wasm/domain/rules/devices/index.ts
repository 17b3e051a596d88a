// The device rules other than chardevs and graphics, one file per device kind, applied here in
// libvirt's order: when a document has several problems, the order decides which error is
// reported, and later rules (disk order, controller indexes, implicit controllers) read what
// earlier ones wrote.
import { Code } from "../../../errors";
import { NONE } from "../../../xml/dom";
import { S } from "../../../xml/names.gen";
import { ctx, err } from "../../context";
import { dropRuntimeAliases } from "./aliases";
import { checkBootOrders } from "./boot-order";
import { addImplicitControllers, checkControllers } from "./controller";
import { checkDisk, checkDuplicateTargets, orderDisks, resetDriveMax } from "./disk";
import { checkFilesystem } from "./filesystem";
import { checkHostdev } from "./hostdev";
import { checkInput } from "./input";
import { checkInterface } from "./interface";
import { checkMemballoon, checkSingleMemballoon } from "./memballoon";
import { checkRedirdev } from "./redirdev";
import { checkRng } from "./rng";
import { checkSmartcard } from "./smartcard";
import { checkVideos } from "./video";
import { checkWatchdog } from "./watchdog";

export { hotplugMemoryKiB } from "./memory";

/** Runs every device rule except chardevs and graphics, then adds implicit controllers. */
export function checkDevices(devices: i32, hvm: bool): bool {
  const d = ctx.d;
  if (ctx.inactive) dropRuntimeAliases(devices);
  resetDriveMax();
  if (!checkSingleMemballoon(devices)) return false;
  if (d.countNamed(devices, S.emulator) > 1) {
    err(Code.XML_ERROR).str("only one emulator is supported");
    return false;
  }
  // each device in document order: the first invalid one is the one reported
  for (let dev = d.firstElement(devices); dev != NONE; dev = d.nextElement(dev)) {
    if (!checkDevice(dev, hvm)) return false;
  }
  orderDisks(devices);
  if (!checkDuplicateTargets(devices) || !checkBootOrders(devices)) return false;
  if (!checkControllers(devices)) return false;
  if (!checkVideos(devices)) return false;
  addImplicitControllers(devices);
  return true;
}

/** The rules of one device's kind (controllers and videos are checked together, afterwards). */
function checkDevice(dev: i32, hvm: bool): bool {
  const name = ctx.d.nameOf(dev);
  if (name == S.disk) return checkDisk(dev);
  if (name == S.interface_) return checkInterface(dev);
  if (name == S.filesystem) return checkFilesystem(dev);
  if (name == S.hostdev) return checkHostdev(dev);
  if (name == S.input) return checkInput(dev, hvm);
  if (name == S.watchdog) return checkWatchdog(dev);
  if (name == S.memballoon) return checkMemballoon(dev);
  if (name == S.rng) return checkRng(dev);
  if (name == S.smartcard) return checkSmartcard(dev);
  if (name == S.redirdev) return checkRedirdev(dev);
  return true;
}
