/**
 * ts-mls 1.6.4, two files:
 * - dist/src/clientState.js: the tree validation run on every Welcome and external join, where it
 *   refuses trees RFC 9420 allows and accepts one it forbids
 *   (packages/e2ee/src/mls/unmerged-leaves.test.ts; still so in 2.0.0-rc.10); and the receiving
 *   secrets of an epoch past the retention, which it dropped without handing them to be erased
 *   (packages/e2ee/src/mls/session.test.ts "an epoch past the retention").
 * - dist/src/secretTree.js: the list of a secret tree's values that erasing goes through.
 */
const clientState = {
  name: "ts-mls",
  version: "1.6.4",
  file: "dist/src/clientState.js",
  /** [why, exact text in the file, replacement] */
  patches: [
    [
      // RFC 9420 §7.9.2: a leaf in P's unmerged_leaves is a non-blank leaf below P, and every
      // non-blank node between it and P lists it. ts-mls demanded that every non-blank node on the
      // leaf's whole direct path, above P too, hold a list equal to P's, which trees made by Adds
      // and later commits' paths do not (a joiner then could not join); and it refused a leaf
      // only if it was blank and not below P, so a non-blank leaf elsewhere in the tree passed.
      "unmerged leaves checked between the leaf and the node that lists it, as RFC 9420 says",
      `                if (tree[nodeIndex]?.nodeType !== "leaf" && !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp) {
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!arraysEqual(dpNode.parent.unmergedLeaves, n.parent.unmergedLeaves))`,
      `                if (tree[nodeIndex]?.nodeType !== "leaf" || !dp.includes(toNodeIndex(i)))
                    return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
                for (const parentIdx of dp.slice(0, dp.indexOf(toNodeIndex(i)))) {
                    const dpNode = tree[parentIdx];
                    if (dpNode !== undefined) {
                        if (dpNode.nodeType !== "parent")
                            return new InternalError("Expected parent node");
                        if (!dpNode.parent.unmergedLeaves.includes(unmergedLeaf))`,
    ],
    [
      // RFC 9420 §9.2: secrets are deleted once no longer needed. The epochs dropped from the
      // late-message state were collected for erasing and then an empty list was returned.
      "the receiving secrets of an epoch past the retention are handed back to be erased",
      "    return [new Map(sortedEpochs.slice(-max).map((epoch) => [epoch, historicalReceiverData.get(epoch)])), []];",
      "    return [new Map(sortedEpochs.slice(-max).map((epoch) => [epoch, historicalReceiverData.get(epoch)])), toBeDeleted];",
    ],
  ],
};

const secretTree = {
  name: "ts-mls",
  version: "1.6.4",
  file: "dist/src/secretTree.js",
  patches: [
    [
      // It pushed after tree.length * 2 empty slots: erasing the list met holes first.
      "a secret tree's values listed without empty slots",
      "    const arr = new Array(tree.length * 2);\n    for (const node of tree) {",
      "    const arr = [];\n    for (const node of tree) {",
    ],
  ],
};

export default [clientState, secretTree];
