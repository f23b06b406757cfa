namespace Kisei.Web.Data.Postgres;

/// <summary>
/// The private PostgreSQL server could not be found, started or stopped. The message's first line
/// says what is wrong and what to do (it is what a failed start prints); later lines are detail,
/// such as the places searched or the tail of the server's log.
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
