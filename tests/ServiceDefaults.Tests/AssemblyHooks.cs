// Each test class starts its own loopback servers and hosts, so classes run side by side.
[assembly: Parallelize(Scope = ExecutionScope.ClassLevel)]
