/**
 * A head and shoulders drawn over a striped wall, which the selfie segmentation model takes for a
 * person (mask ≈ 1 on the figure, ≈ 0 on the wall). Chromium's fake camera draws no person, so
 * the background effect's tests and benchmark play this drawing as the camera
 * (e2e/drawn-person-video.ts) or draw it on a canvas (bench/src/on-device/).
 *
 * It runs in the browser: self-contained, with the few canvas calls it needs typed here, since
 * this folder is compiled without the DOM library.
 */
export interface Canvas2D {
  fillStyle: unknown;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  bezierCurveTo(a: number, b: number, c: number, d: number, x: number, y: number): void;
  ellipse(x: number, y: number, rx: number, ry: number, r: number, a0: number, a1: number): void;
  fill(): void;
}

/** Frame `i` of the drawing: the figure sways left and right; the wall's stripes stay. */
export function drawPerson(context: Canvas2D, i: number, width: number, height: number): void {
  const s = height / 480;
  const cx = width / 2 + 30 * s * Math.sin(i / 6);
  const stripe = 16 * s;
  for (let x = 0, n = 0; x < width; x += stripe, n++) {
    context.fillStyle = n % 2 === 1 ? "#c9c2b0" : "#8a8474";
    context.fillRect(x, 0, stripe, height);
  }
  // Torso and shoulders.
  context.fillStyle = "#2f4a6d";
  context.beginPath();
  context.moveTo(cx - 190 * s, height);
  context.bezierCurveTo(cx - 190 * s, 360 * s, cx - 150 * s, 330 * s, cx - 60 * s, 320 * s);
  context.lineTo(cx + 60 * s, 320 * s);
  context.bezierCurveTo(cx + 150 * s, 330 * s, cx + 190 * s, 360 * s, cx + 190 * s, height);
  context.fill();
  // Neck and face.
  context.fillStyle = "#d9a37e";
  context.fillRect(cx - 35 * s, 250 * s, 70 * s, 80 * s);
  context.beginPath();
  context.ellipse(cx, 200 * s, 75 * s, 95 * s, 0, 0, 2 * Math.PI);
  context.fill();
  // Hair.
  context.fillStyle = "#3b2a1e";
  context.beginPath();
  context.ellipse(cx, 160 * s, 80 * s, 62 * s, 0, Math.PI, 2 * Math.PI);
  context.fill();
  // Eyes, brows and mouth.
  context.fillStyle = "#202020";
  for (const side of [-1, 1]) {
    context.beginPath();
    context.ellipse(cx + side * 28 * s, 195 * s, 9 * s, 6 * s, 0, 0, 2 * Math.PI);
    context.fill();
    context.fillRect(cx + side * 28 * s - 16 * s, 175 * s, 32 * s, 5 * s);
  }
  context.fillStyle = "#a0524a";
  context.fillRect(cx - 22 * s, 250 * s, 44 * s, 8 * s);
}
