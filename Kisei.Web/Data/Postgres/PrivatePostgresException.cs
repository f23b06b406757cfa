namespace Kisei.Web.Data.Postgres;

/// <summary>
/// The private PostgreSQL server could not be found, started or stopped. The message says what
/// was tried and, after a failed start, ends with the tail of the server's log.
/// </summary>
public sealed class PrivatePostgresException : Exception
{
    public PrivatePostgresException()
    {
    }

    public PrivatePostgresException(string message)
        : base(message)
    {
    }

    public PrivatePostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
