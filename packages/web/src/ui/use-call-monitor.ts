import { useEffect, useMemo } from "preact/hooks";
import { CallMonitor, type CallMonitorState, type MonitoredCall } from "../call/call-monitor.ts";
import { useStore } from "./use-store.ts";

/** Connection quality per tile and the active speaker, sampled while the component is shown. */
export function useCallMonitor(call: MonitoredCall): CallMonitorState {
  const monitor = useMemo(() => new CallMonitor(call), [call]);
  useEffect(() => {
    monitor.start();
    return () => monitor.stop();
  }, [monitor]);
  return useStore(monitor);
}
