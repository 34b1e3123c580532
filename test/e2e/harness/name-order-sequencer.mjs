// Runs the e2e test files in the order of their paths (they are numbered), so that scenarios that
// stop or replace parts of the shared environment run where the suite expects them to.
import sequencerModule from '@jest/test-sequencer';

const Sequencer = sequencerModule.default ?? sequencerModule;

export default class NameOrderSequencer extends Sequencer {
  sort(tests) {
    return [...tests].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}
