# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

from relance_app.desk.dashboard import get_overdue_by_age_chart as get  # noqa: F401
