package store

import (
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/baohangateway/baohan/service"
)

// about describes what a store call was doing, for the errors it returns.
type about struct {
	op       string // for internal errors: "get application 12"
	what     string // the row asked for, as people say it: "业务流水号 X 的申请"
	conflict string // the message of a duplicate key; "" means what + "已存在"
}

// translate is the one mapping of database errors to the service's: a
// missing row is ENOTFOUND "未找到<what>", a duplicate key (MySQL 1062,
// SQLite UNIQUE, both gorm.ErrDuplicatedKey with TranslateError) is
// ECONFLICT, a *service.Error passes through, and anything else is an
// internal error that names the operation (never a *service.Error, so that
// its details are logged and not shown).
func translate(err error, ab about) error {
	var se *service.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return service.Errorf(service.ENOTFOUND, "未找到%s", ab.what)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		if ab.conflict != "" {
			return service.Errorf(service.ECONFLICT, "%s", ab.conflict)
		}
		return service.Errorf(service.ECONFLICT, "%s已存在", ab.what)
	}
	return fmt.Errorf("store: %s: %w", ab.op, err)
}

// errStale is UpdateApplication's answer when another change came first.
func errStale() error {
	return service.Errorf(service.ECONFLICT, "申请已被其他操作修改，请刷新后重试")
}
