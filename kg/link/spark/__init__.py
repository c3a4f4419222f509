"""`kg link --engine spark`: the linker on Apache Spark (`job.py` the driver, `tasks.py` what executors run,
`identity.py` which records are one paper). PySpark is imported only when a job runs (`pip install kg[spark]`)."""

from kg.link.spark.job import INSTALL_HINT, SparkLinkReport, link_on_spark

__all__ = ["INSTALL_HINT", "SparkLinkReport", "link_on_spark"]
