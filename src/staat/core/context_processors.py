# SPDX-License-Identifier: EUPL-1.2
from staat.core import permissions
from staat.core.models import Organisation


def _fictional_data_present() -> bool:
    return Organisation.objects.filter(is_fictional=True).exists()


def roles(request):
    user = request.user
    return {
        "can_upload": permissions.can_upload(user),
        "is_researcher": permissions.is_researcher(user),
        "can_read_audit": permissions.can_read_audit(user),
        # evaluated lazily by the template: pages say so when demo data are present
        "fictional_data_present": _fictional_data_present,
    }
