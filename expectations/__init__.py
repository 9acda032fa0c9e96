"""Great Expectations audits of landed batches (write-audit-publish): suites as code in
`expectations.suites`, the runner in `expectations.runner`. See expectations/README.md."""

import os

# Before anything imports great_expectations: no usage statistics leave the machine.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
