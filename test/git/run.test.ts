import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tellingLine } from '../../src/git/run.js';

test('the line that says why git failed: the remote\'s words, a push\'s ref status, git\'s error; never a hint, "To <url>" or an ssh warning', () => {
  const raced = "To /srv/git/app.git\n ! [rejected]        5e3c1a2 -> main (fetch first)\nerror: failed to push some refs to '/srv/git/app.git'\nhint: Updates were rejected because the remote contains work that you do not\n";
  assert.equal(tellingLine(raced), 'main rejected: fetch first');
  const hook = "remote: main is protected\nTo /srv/git/app.git\n ! [remote rejected] 5e3c1a2 -> main (pre-receive hook declined)\nerror: failed to push some refs to '/srv/git/app.git'\n";
  assert.equal(tellingLine(hook), 'remote: main is protected');
  const ssh = "Warning: Permanently added 'git.example.com' (ED25519) to the list of known hosts.\nfatal: Could not read from remote repository.\n";
  assert.equal(tellingLine(ssh), 'fatal: Could not read from remote repository.');
  const progress = 'remote: Enumerating objects: 5, done.\nfatal: the remote end hung up unexpectedly\n';
  assert.equal(tellingLine(progress), 'fatal: the remote end hung up unexpectedly');
  assert.equal(tellingLine('something odd\n'), 'something odd');
});
