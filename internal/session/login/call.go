package login

import "context"

// Call runs fn with a live session for the active role and returns its
// answer: Do for operations that answer something, without outer variables.
// A dead stored session is replaced and fn run once more, as Do does; on an
// error the answer is T's zero value.
func Call[T any](ctx context.Context, m *Manager, fn func(context.Context, Conn) (T, error)) (T, error) {
	var answer T
	err := m.Do(ctx, func(c Conn) error {
		var err error
		answer, err = fn(ctx, c)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return answer, nil
}
