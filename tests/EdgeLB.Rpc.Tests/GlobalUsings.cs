global using EdgeLB.Rpc.Client;
