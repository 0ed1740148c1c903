"""Claims users meet about Keras RNN state (shared/CLAIMS.md), read from
`content/claims/NN-<claim-id>.yaml` (NN: the order they are shown in), each settled by a check
that runs on the installed Keras (app/engine/checks/<claim_id>.py). No TensorFlow here."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from app.paths import CONTENT

CLAIM_DIR = CONTENT / "claims"
_FILE = re.compile(r"^(\d\d)-([a-z0-9-]+)\.yaml$")


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="From the file name: the check module's name, with - for _.")
    text: str = Field(min_length=1, description="The claim, as users meet it.")
    source: str = Field(min_length=1, description="Where users made it (the seeds' questions).")
    findings: dict[str, str] = Field(
        min_length=1,
        description="What the check found, by variant: English templates whose {placeholders} "
        "the check's finding_params fill (translated in the catalogs, key claim.<id>.<variant>).",
    )
    explore: str = Field(
        min_length=1, description="The explorer's URL parameters of a run that shows it."
    )
    rival: str = Field("", description="A claim answering the same question the other way.")
    reconcile: str = Field("", description="Why both verdicts stand (with a rival).")


def load(directory: Path = CLAIM_DIR) -> list[Claim]:
    """Every claim file, in the order of its number; a malformed file is a ValueError that
    names it."""
    claims = []
    for path in sorted(directory.glob("*.yaml")):
        match = _FILE.match(path.name)
        if match is None:
            raise ValueError(f"{path.name}: claim files are named NN-<claim-id>.yaml")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        claims.append(Claim.model_validate({"id": match[2], **data}))
    return claims


CLAIMS = load()
BY_ID = {c.id: c for c in CLAIMS}
