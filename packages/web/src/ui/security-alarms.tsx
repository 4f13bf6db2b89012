import type { SecurityAlarms } from "../call/security-alarms.ts";
import { useStore } from "./use-store.ts";

/** One `role="alert"` banner per active alarm (docs/e2ee.md "Alarms"): what it means, what to do. */
export function AlarmBanners({ alarms }: { alarms: SecurityAlarms }) {
  const { alarms: shown } = useStore(alarms);
  return (
    <>
      {shown.map((alarm) => (
        <div key={alarm.key} class="banner banner-warn" role="alert" data-alarm={alarm.kind}>
          {alarm.text}
        </div>
      ))}
    </>
  );
}

/** The engine's security log: what an admission or roles rule refused, and the device concerned. */
export function SecurityLog({ alarms }: { alarms: SecurityAlarms }) {
  const { log } = useStore(alarms);
  return (
    <>
      <h3>Security log ({log.length})</h3>
      {log.length === 0 ? (
        <p class="hint">Nothing refused so far.</p>
      ) : (
        <table data-security-log="">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Reason</th>
              <th scope="col">Fingerprint</th>
            </tr>
          </thead>
          <tbody>
            {log.map((entry, i) => (
              <tr key={i}>
                <td>{new Date(entry.at).toLocaleTimeString()}</td>
                <th scope="row">{entry.reason}</th>
                <td class="fingerprint">{entry.fingerprint ?? "unknown device"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
