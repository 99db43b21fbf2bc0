"""BashOperator of the Airflow stand-in: records task_id, bash_command, trigger_rule and edges."""
from airflow import current_dag

TRIGGER_RULES = {"all_success", "all_failed", "all_done", "one_success", "one_failed", "none_failed"}


class BashOperator:
    def __init__(self, task_id, bash_command, trigger_rule="all_success", **kwargs):
        if kwargs:
            raise TypeError(f"unexpected BashOperator arguments: {sorted(kwargs)}")
        if trigger_rule not in TRIGGER_RULES:
            raise ValueError(f"unknown trigger_rule {trigger_rule}")
        self.task_id = task_id
        self.bash_command = bash_command
        self.trigger_rule = trigger_rule
        self.upstream = set()
        dag = current_dag()
        if task_id in dag.tasks:
            raise ValueError(f"duplicate task_id {task_id}")
        dag.tasks[task_id] = self

    def __rshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            o.upstream.add(self.task_id)
        return other

    def __rrshift__(self, other):
        for o in other if isinstance(other, list) else [other]:
            self.upstream.add(o.task_id)
        return self
