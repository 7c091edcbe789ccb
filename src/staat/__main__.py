# SPDX-License-Identifier: EUPL-1.2
from staat.cli import main

main()
