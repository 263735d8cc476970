"""Reports: usage and revenue by station, account, customer group and period; the transaction detail
list; both exported as CSV or XLSX, streamed a page at a time."""
