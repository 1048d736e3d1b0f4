"""A fresh MariaDB database for the benchmarks that run on one (quicktest_bench, sweep_workers_bench)."""

from urllib.parse import urlparse


def recreate_database(url: str) -> None:
    """Drop and create the database `url` names (mysql://user[:password]@host[:port]/name)."""
    import MySQLdb

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    connection = MySQLdb.connect(
        host=parts.hostname, port=parts.port or 3306, user=parts.username or "root", passwd=parts.password or ""
    )
    cursor = connection.cursor()
    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
