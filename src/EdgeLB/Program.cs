using System.CommandLine;
using EdgeLB.Commands;

// The single edgelb executable. Each subcommand lives in its own file under Commands/ and is
// added here as the component it starts becomes available.
var root = new RootCommand("EdgeLB: LoadBalancer Services for Kubernetes on bare metal.")
{
    ApiServerCommand.Create(),
    ControllerCommand.Create(),
    SpeakerCommand.Create(),
    StatusCommand.Create(),
    ExplainCommand.Create(),
    SandboxCommand.Create(),
};
// SIGTERM cancels the running command; give it time to hand over (release the leader Lease,
// drain a speaker) before the process is ended.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) };
return await root.Parse(args).InvokeAsync(invocation);
