"""The categories of integration (DESIGN.md §3) as plain values, and the rules that hang on
them: importable without Django, so the check engine (reviews/verification/, also run by
`vip-verify` in partners' CI) reads the same ones as the pipeline. `models.Category` gives them
their labels."""

RUNTIME = "runtime"
AUTH_METHOD = "auth_method"
SECRETS_ENGINE = "secrets_engine"
AUDIT = "audit"
HSM = "hsm"
STORAGE_OR_UNSEAL = "storage_or_unseal"

PLUGIN_CATEGORIES = frozenset({AUTH_METHOD, SECRETS_ENGINE})
NOT_ENCOURAGED_CATEGORIES = frozenset({STORAGE_OR_UNSEAL})
# Categories whose product authenticates to Vault itself: they must offer a non-token method.
AUTHENTICATING_CATEGORIES = frozenset({RUNTIME, AUTH_METHOD})

CATEGORIES = (RUNTIME, AUTH_METHOD, SECRETS_ENGINE, AUDIT, HSM, STORAGE_OR_UNSEAL)
