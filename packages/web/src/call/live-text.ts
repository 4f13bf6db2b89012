/**
 * The text of a polite live region. Screen readers announce a region when its text changes, so
 * the same words said twice alternate a trailing no-break space to be announced again.
 */
export class LiveText {
  private flip = false;

  /** `text` as the region's next content. */
  next(text: string): string {
    this.flip = !this.flip;
    return this.flip ? text : `${text}\u00a0`;
  }
}
