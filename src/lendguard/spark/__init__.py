"""Scan and protect data lakes on Apache Spark with the local engine's own functions.

`batches` holds the Arrow-batch entry points that mapInArrow runs on the executors (no pyspark
import); `session` starts Spark and reads targets; `scan` and `protect` are the driver's jobs.
pyspark is imported only when a Spark job starts (`pip install 'lendguard[spark]'`).
"""
