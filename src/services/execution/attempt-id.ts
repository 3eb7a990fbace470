/**
 * The `reportId` a dispatch carries to an agent, per attempt.
 *
 * Agents run a report at most once per `reportId` (docs/protocol.md 3.1), so a retry must reach
 * them under a new id. The first attempt uses the report's own id, so in the common case the id
 * in the agent's log is the one the log routes show; retry n uses `{reportId}#n`. Events come
 * back with that id: its attempt tells the gateway whether they belong to the current attempt or
 * are a late echo of an older one (dropped, but still acknowledged).
 */
const SEPARATOR = '#';

export function wireReportId(reportId: string, attempt: number): string {
  return attempt > 0 ? `${reportId}${SEPARATOR}${attempt}` : reportId;
}

/** The report's own id and the attempt of a wire id; an id without a `#n` suffix is attempt 0. */
export function parseWireReportId(wire: string): { reportId: string; attempt: number } {
  const at = wire.lastIndexOf(SEPARATOR);
  if (at > 0) {
    const suffix = wire.slice(at + 1);
    if (/^[1-9]\d{0,8}$/.test(suffix)) return { reportId: wire.slice(0, at), attempt: Number(suffix) };
  }
  return { reportId: wire, attempt: 0 };
}
