package io.datalake.transforms.snapshot;

import java.util.Set;

/**
 * The rule of the monthly roll-up: which operations decide an entity's state. A create, update or
 * restore sets it (the entity is active, its state that operation's detail); a delete or soft
 * delete ends it; relation operations change nothing. Of several, the latest by event time wins
 * ({@link EntityState#ORDER}, ties resolved deterministically), whatever order they arrive in.
 */
public final class SnapshotRules {
  /** Operations after which the entity is active, with their detail as its state. */
  public static final Set<String> SETTING = Set.of("createEntity", "updateEntity", "restoreEntity");

  /** Operations after which the entity is not active. */
  public static final Set<String> ENDING = Set.of("deleteEntity", "softDeleteEntity");

  private SnapshotRules() {}

  /** Whether {@code operation} decides the state (sets or ends it). */
  public static boolean changesState(String operation) {
    return SETTING.contains(operation) || ENDING.contains(operation);
  }

  /** Whether {@code operation} ends the entity. */
  public static boolean endsEntity(String operation) {
    return ENDING.contains(operation);
  }

  /**
   * The state after applying {@code operation} to {@code state} (either may be null: no state, no
   * operation that decides it): the later of the two. The result is active when it is not null and
   * does not {@link EntityState#ends() end} the entity.
   */
  public static EntityState apply(EntityState state, EntityState operation) {
    if (operation != null && !changesState(operation.operation())) {
      return state;
    }
    return EntityState.later(state, operation);
  }

  /** Whether an entity in {@code state} is active. */
  public static boolean active(EntityState state) {
    return state != null && !state.ends();
  }
}
