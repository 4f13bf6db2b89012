import { type BackgroundChoice, isBackgroundChoice } from "../effects/backdrops.ts";

/** What this browser remembers between meetings: nothing secret, only choices. */
const KEY = "conclave.prefs.v1";

export interface Preferences {
  name: string;
  micId: string | null;
  cameraId: string | null;
  /** The speaker remote audio plays on; null: the system's default. */
  speakerId: string | null;
  /** The browser's microphone processing, which a musician or a good headset may not want. */
  noiseSuppression: boolean;
  echoCancellation: boolean;
  /** Single-key shortcuts in the meeting (M, V, H, C, ?); they can be turned off (WCAG 2.1.4). */
  singleKeyShortcuts: boolean;
  /** A short chime when someone joins or leaves (the notice shows either way). */
  chimes: boolean;
  /** RNNoise on the microphone, beyond the browser's suppression (effects/mic-effect.ts). */
  strongNoiseSuppression: boolean;
  /** The camera's background effect (effects/camera-effect.ts). */
  background: BackgroundChoice;
}

const DEFAULTS: Preferences = {
  name: "",
  micId: null,
  cameraId: null,
  speakerId: null,
  noiseSuppression: true,
  echoCancellation: true,
  singleKeyShortcuts: true,
  chimes: true,
  strongNoiseSuppression: false,
  background: "none",
};

export function loadPreferences(): Preferences {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return { ...DEFAULTS };
    const value: unknown = JSON.parse(raw);
    if (typeof value !== "object" || value === null) return { ...DEFAULTS };
    const v = value as Record<string, unknown>;
    return {
      name: typeof v.name === "string" ? v.name.slice(0, 64) : "",
      micId: typeof v.micId === "string" ? v.micId : null,
      cameraId: typeof v.cameraId === "string" ? v.cameraId : null,
      speakerId: typeof v.speakerId === "string" ? v.speakerId : null,
      noiseSuppression: v.noiseSuppression !== false,
      echoCancellation: v.echoCancellation !== false,
      singleKeyShortcuts: v.singleKeyShortcuts !== false,
      chimes: v.chimes !== false,
      strongNoiseSuppression: v.strongNoiseSuppression === true,
      background: isBackgroundChoice(v.background) ? v.background : "none",
    };
  } catch {
    return { ...DEFAULTS };
  }
}

export function savePreferences(patch: Partial<Preferences>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPreferences(), ...patch }));
  } catch {
    // Storage can be disabled (private mode); remembering is only a convenience.
  }
}
