// Plan lines: fields separated by tabs, with tab, newline and backslash escaped (\t, \n, \\), as
// the supervisor and the host read them.
import { ByteBuf } from "../../util/bytes";

/** Writes plan lines, escaping each field. */
export class PlanWriter {
  constructor(public out: ByteBuf) {}

  line(fields: string[]): void {
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) this.out.byte(9);
      const f = fields[i];
      for (let k = 0; k < f.length; k++) {
        const c = f.charCodeAt(k);
        if (c == 9) this.out.str("\\t");
        else if (c == 10) this.out.str("\\n");
        else if (c == 92) this.out.str("\\\\");
        else this.out.str(f.charAt(k));
      }
    }
    this.out.byte(10);
  }
}

