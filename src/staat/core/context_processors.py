# SPDX-License-Identifier: EUPL-1.2
from staat.core import permissions


def roles(request):
    user = request.user
    return {
        "can_upload": permissions.can_upload(user),
        "is_researcher": permissions.is_researcher(user),
        "can_read_audit": permissions.can_read_audit(user),
    }
