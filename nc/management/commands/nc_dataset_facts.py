"""``nc_dataset_facts``: the 2019 name of ``dataset_facts nc``, kept for operators' scripts."""

from tsdata.management.commands.dataset_facts import state_alias

Command = state_alias("nc")
