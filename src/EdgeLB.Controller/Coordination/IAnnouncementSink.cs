namespace EdgeLB.Controller.Coordination;

/// <summary>Where the coordinator reports what operators see: Service annotation, condition and Events.</summary>
internal interface IAnnouncementSink
{
    /// <summary>The group's announcing node changed (node null: nobody announces it; summary says why).</summary>
    void Announced(VipGroup group, AnnouncingAnnotation? announcing, string summary);

    /// <summary>A Warning Event on each Service of the group.</summary>
    void Warn(VipGroup group, string reason, string message);
}
