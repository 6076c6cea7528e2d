"""Tools that drive the portal: the benchmark, the load drivers, and the AppTest, server and browser drivers the tests share."""
