-- Least-privilege logins and users for libreplicate on SQL Server.
-- Run as a sysadmin; replace the passwords (or use Windows/Entra authentication).
-- Source: read only, and only the schema being replicated. Target: create tables, insert and
-- delete in its own schema, nothing else.

-- ---- on the source server (the Xilnex point-of-sale database) ----------------------------
USE [master];
CREATE LOGIN [replicate_reader] WITH PASSWORD = N'change-me-Source-1', CHECK_POLICY = ON;
GO
USE [XILNEX];   -- the source database
CREATE USER [replicate_reader] FOR LOGIN [replicate_reader];
GRANT SELECT ON SCHEMA::[COM_5013] TO [replicate_reader];
-- test_connection reads DATABASEPROPERTYEX(DB_NAME(), 'Updateability'): no grant needed.
-- For isolation = "snapshot" in the job file the database needs:
--   ALTER DATABASE [XILNEX] SET ALLOW_SNAPSHOT_ISOLATION ON;
GO

-- ---- on the warehouse server ---------------------------------------------------------------
USE [master];
CREATE LOGIN [replicate_writer] WITH PASSWORD = N'change-me-Target-1', CHECK_POLICY = ON;
GO
USE [WAREHOUSE];  -- the target database
CREATE USER [replicate_writer] FOR LOGIN [replicate_writer] WITH DEFAULT_SCHEMA = [dbo];
-- CREATE TABLE is a database permission; ALTER on the schema lets it create in [dbo] only.
GRANT CREATE TABLE TO [replicate_writer];
GRANT ALTER, SELECT, INSERT, DELETE ON SCHEMA::[dbo] TO [replicate_writer];
GO
