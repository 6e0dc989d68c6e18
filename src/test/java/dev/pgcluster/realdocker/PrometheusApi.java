package dev.pgcluster.realdocker;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The real-engine tests' view of a stack's Prometheus: its HTTP API, its alerts, its targets. */
public final class PrometheusApi {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private PrometheusApi() {
    }

    /** GET {@code url}; anything but 200 fails. */
    public static String get(String url) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(url + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The alerts Prometheus holds now. */
    public static JsonArray alerts(String prometheus) {
        return JsonParser.parseString(get(prometheus + "/api/v1/alerts")).getAsJsonObject()
                .getAsJsonObject("data").getAsJsonArray("alerts");
    }

    /** Whether alert {@code name} with {@code label=value} is in {@code state} (pending, firing). */
    public static boolean alert(String prometheus, String name, String label, String value, String state) {
        for (var element : alerts(prometheus)) {
            JsonObject alert = element.getAsJsonObject();
            JsonObject labels = alert.getAsJsonObject("labels");
            if (labels.get("alertname").getAsString().equals(name) && labels.has(label)
                    && labels.get(label).getAsString().equals(value) && alert.get("state").getAsString().equals(state)) {
                return true;
            }
        }
        return false;
    }

    /** Whether any alert {@code name} is held, in any state. */
    public static boolean anyAlert(String prometheus, String name) {
        for (var element : alerts(prometheus)) {
            if (element.getAsJsonObject().getAsJsonObject("labels").get("alertname").getAsString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** How many active targets of scrape job {@code job} are up. */
    public static long targetsUp(String prometheus, String job) {
        long up = 0;
        for (var element : JsonParser.parseString(get(prometheus + "/api/v1/targets?state=active")).getAsJsonObject()
                .getAsJsonObject("data").getAsJsonArray("activeTargets")) {
            JsonObject target = element.getAsJsonObject();
            if (target.getAsJsonObject("labels").get("job").getAsString().equals(job)
                    && target.get("health").getAsString().equals("up")) {
                up++;
            }
        }
        return up;
    }
}
