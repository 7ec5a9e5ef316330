"""Airflow DAG: one mapped task per partition of the plan.

A first task asks libreplicate for the plan (``--plan-json``); Airflow maps one task per
partition key over it (dynamic task mapping, Airflow 2.3+), each running exactly that partition
(``--partition KEY``) with the same transaction, ledger and exit codes as a whole run; a failed
task is retried alone. Not run here: no Airflow runs on the machines this repository is tested
on; the test suite checks that this file compiles (tests/cli/test_scale_out.sh) and runs the
same command lines against PostgreSQL.
"""
import json
import subprocess
from datetime import datetime, timedelta

from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator

JOB = "/etc/libreplicate/job.toml"
TOOL = "/usr/local/bin/replicate_all_sales"


@dag(
    schedule="30 2 * * *",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["libreplicate"],
)
def replicate_sales():
    @task
    def plan() -> list:
        """The partitions of yesterday (plus [run] lookback_days), as keys."""
        out = subprocess.run(
            [TOOL, "--config", JOB, "--yesterday", "--plan-json", "--log-level", "warning"],
            check=True, capture_output=True, text=True,
        ).stdout
        return [p["key"] for p in json.loads(out)["partitions"]]

    # Exit code 0 succeeds; 1 (partition failed), 2 (bad input), 3 (unreachable) fail the
    # task, which Airflow retries: a partition is replaced atomically, never doubled.
    BashOperator.partial(
        task_id="copy_partition",
        env={"SOURCE_PASSWORD": "{{ var.value.source_password }}",
             "TARGET_PASSWORD": "{{ var.value.target_password }}"},
        append_env=True,
    ).expand(
        bash_command=plan().map(
            lambda key: f"{TOOL} --config {JOB} --partition '{key}' --verify --log-format json"
        )
    )


replicate_sales()
