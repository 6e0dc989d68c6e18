package floor;

import com.pulumi.Pulumi;

/** A Pulumi program that declares nothing: the floor under pg-cluster's own program start. */
public final class App {
    private App() {
    }

    public static void main(String[] args) {
        Pulumi.run(ctx -> { });
    }
}
