"""Great Expectations audits of landed batches (write-audit-publish): suites as code in
`expectations.suites`, the runner in `expectations.runner`. See expectations/README.md."""

import os

from expectations import _deferred

# Before anything imports great_expectations: no usage statistics leave the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# ... and GX's import skips scipy.stats and altair, which no suite uses (see _deferred).
_deferred.defer()
