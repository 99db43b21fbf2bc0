"""A stand-in for Apache Airflow's DAG API (Airflow is in neither Debian nor npm), only as much as
the DAG files `lathe export airflow` writes use: DAG as a context manager, BashOperator, >>."""

_current = []


class DAG:
    def __init__(self, dag_id, schedule=None, start_date=None, catchup=True, tags=None, **kwargs):
        if kwargs:
            raise TypeError(f"unexpected DAG arguments: {sorted(kwargs)}")
        self.dag_id = dag_id
        self.schedule = schedule
        self.start_date = start_date
        self.catchup = catchup
        self.tags = tags or []
        self.tasks = {}

    def __enter__(self):
        _current.append(self)
        return self

    def __exit__(self, *exc):
        _current.pop()
        return False


def current_dag():
    if not _current:
        raise RuntimeError("an operator outside a DAG")
    return _current[-1]
