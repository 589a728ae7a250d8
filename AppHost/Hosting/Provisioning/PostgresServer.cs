using System.Diagnostics;
using System.Globalization;
using AppHost.Hosting.Processes;
using Npgsql;

namespace AppHost.Hosting.Provisioning;

/// <summary>Where and how to run a local PostgreSQL server.</summary>
public sealed record PostgresServerOptions(string Name, string DataDirectory, int Port, string SuperuserPassword)
{
    /// <summary>Extra server settings (<c>name=value</c>), e.g. a benchmark's statement statistics.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];
}

/// <summary>
/// A PostgreSQL server run as a child process: initdb on first use (data kept between runs),
/// listening on 127.0.0.1 only, password authentication, fast shutdown on stop. As root it runs
/// as the <c>postgres</c> OS user, because PostgreSQL refuses to run as root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    public const string Superuser = "postgres";
    private const string ServiceUser = "postgres";
    private readonly ChildProcess _process;

    private PostgresServer(PostgresServerOptions options, ChildProcess process)
    {
        Options = options;
        _process = process;
    }

    public PostgresServerOptions Options { get; }

    public ChildProcess Process => _process;

    /// <summary>Connection string for the superuser, to the given database.</summary>
    public string ConnectionString(string database = "postgres") => BuildConnectionString(Options.Port, Superuser, Options.SuperuserPassword, database);

    public static string BuildConnectionString(int port, string user, string password, string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = user,
            Password = password,
            Database = database,
        }.ConnectionString;

    public static async Task<PostgresServer> StartAsync(PostgresServerOptions options, Action<string, string> output, CancellationToken cancellationToken = default)
    {
        await OsPrerequisites.EnsureAsync([OsPrerequisites.PostgreSql], line => output(options.Name, line), cancellationToken).ConfigureAwait(false);
        var bin = OsPrerequisites.FindPostgresBinDirectory()!;
        var runAs = NativeSignals.IsRoot ? ServiceUser : null;
        if (runAs is not null)
        {
            EnsureServiceUser(runAs);
        }

        PortGuard.EnsureFree(options.Port, options.Name);

        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        await InitializeDataDirectoryAsync(bin, dataDirectory, options, runAs, cancellationToken).ConfigureAwait(false);

        var spec = new ChildProcessSpec(options.Name, Path.Combine(bin, "postgres"),
        [
            "-D", dataDirectory,
            "-p", options.Port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", "unix_socket_directories=",
            "-c", "max_connections=200",
            "-c", "logging_collector=off",
            // The queue tables churn thousands of rows a second; with the default one-minute nap, autovacuum would look
            // at them once a minute and claims would walk a minute's worth of dead rows (see V0018 for their thresholds).
            "-c", "autovacuum_naptime=1s",
            .. options.Settings.SelectMany(setting => new[] { "-c", setting }),
        ])
        {
            RunAsUser = runAs,
            // SIGINT is PostgreSQL's "fast shutdown": roll back open transactions, checkpoint, exit.
            StopSignal = NativeSignals.SigInt,
        };

        var process = ChildProcess.Start(spec, output);
        var server = new PostgresServer(options, process);
        await server.WaitUntilAcceptingAsync(TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Creates (or updates the passwords of) an owner role and a least-privilege application role,
    /// and a database owned by the owner. The application role can read and write rows in tables
    /// the owner creates, but cannot change the schema. Privileges come only from the default
    /// privileges, never from a blanket re-grant at start, so a migration that narrows a table's
    /// privileges (audit rows are insert-only) stays narrowed.
    /// </summary>
    public async Task EnsureDatabaseAsync(string database, DatabaseRole owner, DatabaseRole application, CancellationToken cancellationToken = default)
    {
        await using (var admin = new NpgsqlConnection(ConnectionString()))
        {
            await admin.OpenAsync(cancellationToken).ConfigureAwait(false);
            await EnsureRoleAsync(admin, owner, cancellationToken).ConfigureAwait(false);
            await EnsureRoleAsync(admin, application, cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", admin) { Parameters = { new() { Value = database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await ExecuteAsync(admin, $"CREATE DATABASE {Quote(database)} OWNER {Quote(owner.Name)} ENCODING 'UTF8'", cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(admin, $"REVOKE ALL ON DATABASE {Quote(database)} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE {Quote(database)} TO {Quote(application.Name)}", cancellationToken).ConfigureAwait(false);
        }

        await using var db = new NpgsqlConnection(ConnectionString(database));
        await db.OpenAsync(cancellationToken).ConfigureAwait(false);
        var app = Quote(application.Name);
        var own = Quote(owner.Name);
        await ExecuteAsync(db, $"""
            ALTER SCHEMA public OWNER TO {own};
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            GRANT USAGE ON SCHEMA public TO {app};
            ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
            ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {app};
            ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {app};
            """, cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync() => _process.StopAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync() => await _process.DisposeAsync().ConfigureAwait(false);

    private static async Task EnsureRoleAsync(NpgsqlConnection admin, DatabaseRole role, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_roles WHERE rolname = $1", admin) { Parameters = { new() { Value = role.Name } } };
        var verb = await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null ? "CREATE" : "ALTER";
        // Role DDL takes no bind parameters; the password is quoted as a literal.
        await ExecuteAsync(admin, $"{verb} ROLE {Quote(role.Name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {Literal(role.Password)}", cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString()) { Pooling = false, Timeout = 2 }.ConnectionString;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new ResourceFailedException(Options.Name, "PostgreSQL exited during start-up", _process.RecentOutput);
            }

            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException) when (deadline.Elapsed < timeout)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw new ResourceFailedException(Options.Name, $"PostgreSQL did not accept connections within {timeout.TotalSeconds:0} s: {ex.Message}", _process.RecentOutput);
            }
        }
    }

    private static async Task InitializeDataDirectoryAsync(string bin, string dataDirectory, PostgresServerOptions options, string? runAs, CancellationToken cancellationToken)
    {
        var versionFile = Path.Combine(dataDirectory, "PG_VERSION");
        var installedMajor = Path.GetFileName(Path.GetDirectoryName(bin)!);
        if (File.Exists(versionFile))
        {
            var dataMajor = File.ReadAllText(versionFile).Trim();
            if (dataMajor != installedMajor)
            {
                throw new ResourceFailedException(options.Name,
                    $"The data folder {dataDirectory} was created by PostgreSQL {dataMajor}, but this machine has PostgreSQL {installedMajor}. " +
                    $"Upgrade it with pg_upgrade, or move the folder away to start with an empty database.", []);
            }

            RemoveStalePidFile(dataDirectory);
            return;
        }

        Directory.CreateDirectory(dataDirectory);
        if (Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new ResourceFailedException(options.Name, $"The data folder {dataDirectory} is not empty but holds no PostgreSQL cluster (no PG_VERSION). Move it away.", []);
        }

        var passwordFile = Path.Combine(Path.GetDirectoryName(dataDirectory)!, $".{Path.GetFileName(dataDirectory)}-initdb-password");
        await File.WriteAllTextAsync(passwordFile, options.SuperuserPassword, cancellationToken).ConfigureAwait(false);
        try
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            if (runAs is not null)
            {
                GrantToServiceUser(dataDirectory, passwordFile, runAs);
            }

            var initdb = new ChildProcessSpec($"{options.Name}-initdb", Path.Combine(bin, "initdb"),
            [
                "-D", dataDirectory, "-U", Superuser, "--pwfile", passwordFile,
                "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            ])
            { RunAsUser = runAs };
            var lines = new List<string>();
            await using var process = ChildProcess.Start(initdb, (_, line) => { lock (lines) { lines.Add(line); } });
            await process.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                Directory.Delete(dataDirectory, recursive: true);
                throw new ResourceFailedException(options.Name, $"initdb failed with exit code {process.ExitCode}", lines.TakeLast(15).ToList());
            }
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    /// <summary>A server killed without a shutdown leaves postmaster.pid; PostgreSQL handles it, but only if the pid is not reused.</summary>
    private static void RemoveStalePidFile(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
        {
            return;
        }

        var firstLine = File.ReadLines(pidFile).FirstOrDefault();
        if (int.TryParse(firstLine, out var pid) && (!Directory.Exists($"/proc/{pid}") ||
            !File.ReadAllText($"/proc/{pid}/cmdline").Contains("postgres", StringComparison.Ordinal)))
        {
            File.Delete(pidFile);
        }
    }

    /// <summary>
    /// As root, the server runs as <c>postgres</c>: it must own its data folder and be able to reach it,
    /// so every ancestor folder gets the traverse (x) bit for others where it lacks it.
    /// </summary>
    private static void GrantToServiceUser(string dataDirectory, string passwordFile, string user)
    {
        RunChecked("chown", "-R", $"{user}:", dataDirectory);
        RunChecked("chown", $"{user}:", passwordFile);
        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        for (var dir = Path.GetDirectoryName(dataDirectory); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
        {
            var mode = File.GetUnixFileMode(dir);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                File.SetUnixFileMode(dir, mode | UnixFileMode.OtherExecute);
            }
        }
    }

    /// <summary>Debian's postgresql package creates this user; binaries copied in another way may come without it.</summary>
    private static void EnsureServiceUser(string user)
    {
        if (File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal)))
        {
            return;
        }

        RunChecked("useradd", "--system", "--user-group", "--home-dir", "/var/lib/postgresql", "--shell", "/usr/sbin/nologin", user);
    }

    private static void RunChecked(string program, params string[] arguments)
    {
        using var process = System.Diagnostics.Process.Start(program, arguments);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}");
        }
    }
}

/// <summary>A login role with its password.</summary>
public sealed record DatabaseRole(string Name, string Password);
