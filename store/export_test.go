package store

// LimitPool caps the connections s opens, for tests of a full pool.
func LimitPool(s *Store, n int) {
	s.sqlDB.SetMaxOpenConns(n)
	s.sqlDB.SetMaxIdleConns(n)
}
