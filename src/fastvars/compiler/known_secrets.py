"""Vendor credential formats that are redacted wherever they appear in a value: data.

One row per format, a regex that must find exactly what posthog's known-secret search
finds (posthog 7.91.1 searches the union of these formats). Both engines read the same
rows: the pure-Python one searches their union with ``re``
(:data:`fastvars.core.secret_detection.KNOWN_SECRET_RE`); the compiled one runs the position
automaton that :mod:`.secret_chains` builds from them (``_secret_detection.pyx``).
"""

from __future__ import annotations

from typing import Final

# (vendor, format). Prefixes such as `sk-` are deliberately not anchored to a word
# boundary: keys follow letters in encoded text (`%3Dsk-...`, `\nsk-...`).
KNOWN_SECRET_FORMATS: Final[tuple[tuple[str, str], ...]] = (
    ("anthropic", r"sk-ant-[A-Za-z0-9_-]{16,}"),
    ("openai", r"sk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
    ("hugging face", r"hf_[A-Za-z0-9]{34}"),
    ("aws access key id", r"AKIA[0-9A-Z]{16}"),
    ("aws other ids", r"(?:ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[0-9A-Z]{16}"),
    ("google api key", r"AIza[A-Za-z0-9_-]{35}"),
    ("google oauth", r"ya29\.[A-Za-z0-9_-]{20,}"),
    ("digitalocean", r"do[opr]_v1_[a-f0-9]{64}"),
    ("stripe", r"(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("square", r"sq0[a-z]{3}-[A-Za-z0-9_-]{22,43}"),
    ("github", r"gh[pousr]_[A-Za-z0-9]{36}"),
    ("github fine-grained", r"github_pat_[A-Za-z0-9_]{20,}"),
    ("gitlab", r"gl(?:pat|ptt|rt|soat)-[A-Za-z0-9_-]{20}"),
    ("grafana", r"glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"),
    ("slack", r"xox[abeoprs]-[A-Za-z0-9-]{10,}"),
    ("slack app", r"xapp-[0-9]-[A-Za-z0-9-]{10,}"),
    ("twilio", r"SK[0-9a-fA-F]{32}"),
    ("sendgrid", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    ("mailgun", r"key-[0-9a-f]{32}"),
    ("mailchimp", r"[0-9a-f]{32}-us[0-9]{1,2}"),
    ("npm", r"npm_[A-Za-z0-9]{36}"),
    ("pypi", r"pypi-AgEI[A-Za-z0-9_-]{50,}"),
    ("databricks", r"dapi[0-9a-f]{32}"),
    ("doppler", r"dp\.pt\.[A-Za-z0-9]{40,}"),
    ("postman", r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
    ("linear", r"lin_api_[A-Za-z0-9]{40}"),
    ("notion", r"ntn_[A-Za-z0-9]{40,}"),
    ("shopify", r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
    ("new relic", r"NR(?:AK|JS|II|MA|RA)-[A-Za-z0-9]{27}"),
    ("jwt", r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{6,}"),
)

#: The formats alone, in table order: what both engines' searches are built from.
FORMAT_REGEXES: Final[tuple[str, ...]] = tuple(fmt for _, fmt in KNOWN_SECRET_FORMATS)
