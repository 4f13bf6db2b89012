import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HostCommands, type Microphone } from "./host-commands.ts";
import { Store } from "./store.ts";

class FakeMic extends Store<{ mic: string }> implements Microphone {
  setMicOn(on: boolean): void {
    this.update({ mic: on ? "on" : "off" });
  }
}

describe("host commands on the page", () => {
  it("an ask to unmute never turns the microphone on by itself; Unmute does", () => {
    const mic = new FakeMic({ mic: "off" });
    const commands = new HostCommands(mic, () => assert.fail("not ended"));
    commands.receive("Ada", "ask-unmute");
    assert.equal(mic.state.mic, "off");
    assert.equal(commands.state.unmuteAsk, "Ada");
    assert.equal(commands.state.announcement, "Ada asks you to unmute");
    commands.unmute();
    assert.equal(mic.state.mic, "on");
    assert.equal(commands.state.unmuteAsk, null);
  });

  it("Dismiss leaves the microphone off; an ask while unmuted shows nothing", () => {
    const mic = new FakeMic({ mic: "off" });
    const commands = new HostCommands(mic, () => {});
    commands.receive("Ada", "ask-unmute");
    commands.dismiss();
    assert.equal(mic.state.mic, "off");
    mic.setMicOn(true);
    commands.receive("Ada", "ask-unmute");
    assert.equal(commands.state.unmuteAsk, null);
  });

  it("a mute turns our microphone off and says who; unmuting ourselves clears it", () => {
    const mic = new FakeMic({ mic: "on" });
    const commands = new HostCommands(mic, () => {});
    commands.receive("Ada", "mute");
    assert.equal(mic.state.mic, "off");
    assert.equal(commands.state.mutedBy, "Ada");
    assert.equal(commands.state.announcement, "Ada muted you");
    mic.setMicOn(true);
    assert.equal(commands.state.mutedBy, null);
  });

  it("end-meeting ends the meeting, naming the host", () => {
    const ended: string[] = [];
    const commands = new HostCommands(new FakeMic({ mic: "on" }), (by) => ended.push(by));
    commands.receive("Ada", "end-meeting");
    assert.deepEqual(ended, ["Ada"]);
  });
});
