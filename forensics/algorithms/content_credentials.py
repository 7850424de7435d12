"""What a C2PA manifest store (Content Credentials) says, and what its validation shows.

The C2PA SDK (c2pa-python) validates a manifest and reports a state ("Trusted", "Valid" or "Invalid") with
status codes (C2PA 2.1 specification, section 15.2: "Returning validation results"). The examiner needs fewer,
plainer answers, each with its meaning for both propositions:

- *valid, trusted signer*: every hash matches and the signer's certificate chains to a trust anchor the examiner
  gave; the file is what that signer signed.
- *valid, signer not trusted*: every hash matches, but no given anchor vouches for the certificate: the file is
  what *someone* signed, and anyone can make a certificate, including whoever edited the file.
- *changed after signing*: a hard-binding hash (data, boxes or BMFF hash) no longer matches the file's bytes: the
  file was changed after it was signed, or the manifest was moved onto another file.
- *manifest altered*: the claim's signature or the hash of one of its assertions no longer matches: the manifest
  itself was changed after signing.
- *manifest not valid*: other failures (missing required assertions or ingredients, a certificate that is not
  valid for signing): the manifest proves nothing; a writer's bug cannot be ruled out.
- *identity not verified*: only the CAWG identity assertion (who the signer says they are) failed; the C2PA
  claim itself is otherwise valid.

Pure functions over the SDK's JSON: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class CredentialState(str, Enum):
    VALID_TRUSTED = "valid, trusted signer"
    VALID_UNTRUSTED = "valid, signer not trusted"
    CHANGED_AFTER_SIGNING = "changed after signing"
    MANIFEST_ALTERED = "manifest altered after signing"
    MANIFEST_INVALID = "manifest not valid"
    IDENTITY_UNVERIFIED = "valid claim, identity assertion not verified"


# Hard bindings: the hash of the asset's bytes outside the manifest (C2PA 2.1, section 9.2).
HASH_MISMATCH_CODES = frozenset({
    "assertion.dataHash.mismatch", "assertion.boxesHash.mismatch", "assertion.bmffHash.mismatch",
    "assertion.collectionHash.mismatch",
})
# The claim's own integrity: its signature, and the hashes by which it refers to its assertions.
MANIFEST_ALTERED_CODES = frozenset({"claimSignature.mismatch", "assertion.hashedURI.mismatch"})
# Codes that state a missing trust anchor, not a failure: the C2PA SDK loads no trust list unless given one.
UNTRUSTED_CODES = frozenset({"signingCredential.untrusted", "cawg.x509.credential.untrusted"})


@dataclass(frozen=True)
class CredentialFacts:
    """What the active manifest declares, in words a report can print."""

    claim_generator: str | None
    signer: str | None  # the signing certificate's common name
    issuer: str | None  # its issuer's organisation
    signing_time: str | None  # from the claim signature's timestamp, when it has one
    actions: list[str]
    ingredients: list[str]
    manifests: int  # manifests in the store (earlier ones belong to ingredients)


def credential_state(sdk_state: str, codes: list[str]) -> CredentialState:
    """The examiner's answer from the SDK's validation state and its status codes (failures and warnings)."""
    failures = [code for code in codes if code not in UNTRUSTED_CODES]
    if any(code in HASH_MISMATCH_CODES for code in failures):
        return CredentialState.CHANGED_AFTER_SIGNING
    if any(code in MANIFEST_ALTERED_CODES for code in failures):
        return CredentialState.MANIFEST_ALTERED
    if failures and all(code.startswith("cawg.") for code in failures):
        return CredentialState.IDENTITY_UNVERIFIED
    if sdk_state.lower() == "invalid" or failures:
        return CredentialState.MANIFEST_INVALID
    if sdk_state.lower() == "trusted":
        return CredentialState.VALID_TRUSTED
    return CredentialState.VALID_UNTRUSTED


def status_codes(store: dict) -> list[str]:
    """Every status code the SDK reported for the store, in order, once each."""
    return list(dict.fromkeys(str(s.get("code")) for s in store.get("validation_status") or [] if s.get("code")))


def credential_facts(store: dict) -> CredentialFacts:
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "", {})
    signature = active.get("signature_info") or {}
    return CredentialFacts(
        claim_generator=claim_generator(active),
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        signing_time=signature.get("time"),
        actions=[_action_words(action) for action in manifest_actions(active)],
        ingredients=[_ingredient_words(ingredient) for ingredient in active.get("ingredients") or []],
        manifests=len(manifests),
    )


def manifest_actions(manifest: dict) -> list[dict]:
    """The actions a manifest's ``c2pa.actions`` assertions record (created, opened, edited, converted ...)."""
    actions = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions.extend((assertion.get("data") or {}).get("actions") or [])
    return actions


def claim_generator(manifest: dict) -> str | None:
    infos = manifest.get("claim_generator_info") or []
    named = [" ".join(str(info[k]) for k in ("name", "version") if info.get(k)) for info in infos if isinstance(info, dict)]
    return "; ".join(n for n in named if n) or manifest.get("claim_generator") or None


def _action_words(action: dict) -> str:
    words = str(action.get("action", "unnamed action")).removeprefix("c2pa.").replace("_", " ")
    agent = action.get("softwareAgent")
    if isinstance(agent, dict):
        agent = " ".join(str(agent[k]) for k in ("name", "version") if agent.get(k))
    source = str(action.get("digitalSourceType") or "").rsplit("/", 1)[-1]
    details = [part for part in (agent, f"source type {source}" if source else "") if part]
    return f"{words} ({'; '.join(details)})" if details else words


def _ingredient_words(ingredient: dict) -> str:
    facts = [str(ingredient[k]) for k in ("relationship", "format") if ingredient.get(k)]
    title = str(ingredient.get("title") or "untitled")
    return f"{title} ({', '.join(facts)})" if facts else title
