using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Loads CA bundles and client certificate/key pairs from PEM text.</summary>
internal static class PemCertificates
{
    public static X509Certificate2Collection LoadBundle(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        if (collection.Count == 0)
        {
            throw new CryptographicException("no PEM certificate found");
        }

        return collection;
    }

    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem)
    {
        if (!certificatePem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new CryptographicException("no PEM certificate found");
        }

        if (!keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new CryptographicException("no PEM private key found");
        }

        using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);

        // Re-import as PKCS#12 so SslStream can use the key on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}
