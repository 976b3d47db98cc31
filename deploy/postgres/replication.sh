#!/bin/sh
# Allow the standby to stream from the primary (run once by the postgres image at first start).
echo "host replication perron all scram-sha-256" >> "$PGDATA/pg_hba.conf"
