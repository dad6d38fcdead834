"""RFC 6962 Merkle trees: every leaf of every tree size has a proof that verifies, and only that leaf."""

from __future__ import annotations

import hashlib

from bitrade.audit.rules import inclusion_proof, leaf_hash, merkle_root, node_hash, verify_inclusion


def _leaves(n):
    return [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def test_root_of_small_trees_follows_the_rfc_shape():
    a, b, c = _leaves(3)
    assert merkle_root([a]) == a
    assert merkle_root([a, b]) == node_hash(a, b)
    assert merkle_root([a, b, c]) == node_hash(node_hash(a, b), c)


def test_every_inclusion_proof_verifies_and_a_wrong_leaf_does_not():
    for n in range(1, 40):
        leaves = _leaves(n)
        root = merkle_root(leaves)
        for i in range(n):
            proof = inclusion_proof(i, leaves)
            assert verify_inclusion(i, n, leaves[i], proof, root)
            other = leaves[(i + 1) % n]
            if n > 1:
                assert not verify_inclusion(i, n, other, proof, root)
                assert not verify_inclusion((i + 1) % n, n, leaves[i], proof, root)
