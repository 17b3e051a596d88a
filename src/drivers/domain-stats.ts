// virConnectGetAllDomainStats from the registry: one listing, at one instant, with each domain's
// values in libvirt's typed-parameter names. The groups the registry answers are "state"
// (state.state, state.reason) and "balloon" (balloon.current, balloon.maximum, KiB); asking for
// another is refused with ENFORCE_STATS and otherwise leaves it out, as libvirt does.
import { DomainStatsTypes, TypedParameterType } from "../constants.js";
import { ErrorNumber, VirtError } from "../errors.js";
import type { DomainEntry } from "../host/core-abi.gen.js";
import type { DomainRef, TypedParameter } from "./driver.js";

const { VIR_DOMAIN_STATS_STATE: STATE, VIR_DOMAIN_STATS_BALLOON: BALLOON } = DomainStatsTypes;
const SUPPORTED = STATE | BALLOON;
/** The listing filters (virConnectListAllDomains's first eight), NOWAIT and BACKING (no effect here). */
const FILTERS = 0xff;
const ACCEPTED = FILTERS | (1 << 29) | (1 << 30);
const ENFORCE_STATS = 2 ** 31;

/** A domain and its values (virDomainStatsRecord). */
export interface DomainStatsEntry {
  ref: DomainRef;
  params: TypedParameter[];
}

/**
 * The listing flags of a stats request (for the registry), after libvirt's checks: unknown
 * flags, and with ENFORCE_STATS a group this driver does not report. fn: libvirt's function
 * name for the flags error; errorDomain: the driver's.
 */
export function statsListFlags(stats: number, flags: number, fn: string, errorDomain: number): number {
  const enforce = flags >= ENFORCE_STATS || flags < 0 ? ENFORCE_STATS : 0;
  const rest = enforce ? (flags >>> 0) - ENFORCE_STATS : flags;
  const extra = rest & ~ACCEPTED;
  if (extra !== 0) throw new VirtError(ErrorNumber.VIR_ERR_INVALID_ARG, errorDomain, `unsupported flags (0x${(extra >>> 0).toString(16)}) in function ${fn}`);
  const unsupported = stats & ~SUPPORTED;
  if (enforce && unsupported !== 0) {
    throw new VirtError(ErrorNumber.VIR_ERR_ARGUMENT_UNSUPPORTED, errorDomain, `argument unsupported: Stats types bits 0x${(unsupported >>> 0).toString(16)} are not supported by this daemon`);
  }
  return rest & FILTERS;
}

/** Each listed domain's values of the asked groups (0: every group the registry answers). */
export function statsOf(entries: DomainEntry[], stats: number): DomainStatsEntry[] {
  const groups = stats === 0 ? SUPPORTED : stats & SUPPORTED;
  return entries.map(({ domain, info }) => {
    const params: TypedParameter[] = [];
    if (groups & STATE) {
      params.push({ field: "state.state", type: TypedParameterType.VIR_TYPED_PARAM_INT, value: info.state });
      params.push({ field: "state.reason", type: TypedParameterType.VIR_TYPED_PARAM_INT, value: info.reason });
    }
    if (groups & BALLOON) {
      params.push({ field: "balloon.current", type: TypedParameterType.VIR_TYPED_PARAM_ULLONG, value: info.memory });
      params.push({ field: "balloon.maximum", type: TypedParameterType.VIR_TYPED_PARAM_ULLONG, value: info.maxMem });
    }
    return { ref: domain, params };
  });
}
