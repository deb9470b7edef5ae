/// Placeholder.
public enum DeskPlaceholder {}
