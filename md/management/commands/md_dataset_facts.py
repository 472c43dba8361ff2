"""``md_dataset_facts``: the 2019 name of ``dataset_facts md``, kept for operators' scripts."""

from tsdata.management.commands.dataset_facts import state_alias

Command = state_alias("md")
