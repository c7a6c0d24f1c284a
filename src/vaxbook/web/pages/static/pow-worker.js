// Finds a counter such that SHA-256(challenge ":" counter) starts with `difficulty` zero bits
// (the server's check: src/vaxbook/domain/proof_of_work.py). Digests are asked for in batches:
// one await per hash would spend more time switching than hashing.
"use strict";
var BATCH = 256;

function leadingZeroBits(bytes) {
  var bits = 0;
  for (var i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) { return bits + Math.clz32(bytes[i]) - 24; }
    bits += 8;
  }
  return bits;
}

self.onmessage = async function (message) {
  var challenge = message.data.challenge;
  var difficulty = message.data.difficulty;
  var encoder = new TextEncoder();
  for (var start = 0; ; start += BATCH) {
    var batch = [];
    for (var counter = start; counter < start + BATCH; counter++) {
      batch.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + ":" + counter)));
    }
    var digests = await Promise.all(batch);
    for (var i = 0; i < digests.length; i++) {
      if (leadingZeroBits(new Uint8Array(digests[i])) >= difficulty) {
        self.postMessage(String(start + i));
        return;
      }
    }
  }
};
