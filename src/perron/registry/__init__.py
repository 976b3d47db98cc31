"""The national incident registry: import, versions, linking, queries and exports."""
