using System.CommandLine;
using EdgeLB.Commands;

// The single edgelb executable. Each subcommand lives in its own file under Commands/ and is
// added here as the component it starts becomes available.
var root = new RootCommand("EdgeLB: LoadBalancer Services for Kubernetes on bare metal.")
{
    ApiServerCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
