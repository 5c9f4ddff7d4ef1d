using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>A throw-away serving certificate for the in-memory API server (its own CA, valid for one day).</summary>
public static class SelfSignedCertificate
{
    public static X509Certificate2 Create(IPAddress address, string dnsName = "localhost")
    {
        ArgumentNullException.ThrowIfNull(address);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=edgelb-apiserver", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(address);
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        // kubectl trusts it as certificate-authority-data, so it is its own CA.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Round-trip through PKCS#12 so the private key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }
}
